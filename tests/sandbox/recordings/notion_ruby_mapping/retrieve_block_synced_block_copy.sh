curl 'https://api.notion.com/v1/blocks/ea7b5183eea24d30b019010921e93b2c' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
