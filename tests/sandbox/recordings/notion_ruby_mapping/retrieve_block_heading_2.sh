curl 'https://api.notion.com/v1/blocks/d34096c9-62ba-4633-9294-db488ca7b8cc' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
