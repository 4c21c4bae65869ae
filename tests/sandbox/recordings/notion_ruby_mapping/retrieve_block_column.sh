curl 'https://api.notion.com/v1/blocks/29a966bb81eb43e5aae1b44992525775' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
